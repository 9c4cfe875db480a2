"""The scheduled service above the crawl: the daemon, its scheduling rules, the runs it follows, the status views and Datasette serving."""
