"""The Scrapy side: settings, the spider loader, the spiders, middlewares, extensions, the crawl command and how a crawl process is started and recognised."""
