"""courtnews's Scrapy commands (COMMANDS_MODULE): they replace Scrapy's own of the same name."""
