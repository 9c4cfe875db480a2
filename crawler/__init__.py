"""courtnews crawler: the Scrapy project (spiders, pipelines), extraction and the command line."""
