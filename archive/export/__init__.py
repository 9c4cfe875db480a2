"""The archive out as files: versions as JSONL or CSV, captures as WARC (whole archive or one capture), an Atom feed."""
