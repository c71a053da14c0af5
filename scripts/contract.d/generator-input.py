"""Writes the document the Python client is generated from: openapi/liftoff.json, less the
archive media types of a bundle upload other than application/octet-stream.

openapi-python-client turns each binary media type of a request into its own branch on the
same `File` type, so the last one listed (`application/zip`) would be the Content-Type of every
upload. The server accepts every archive format as application/octet-stream (it reads the
format from the bytes), so the client is told of that one only.
"""

import json
import sys

source, target = sys.argv[1], sys.argv[2]
doc = json.load(open(source))
for item in doc["paths"].values():
    for op in item.values():
        content = op.get("requestBody", {}).get("content", {})
        if "application/octet-stream" in content:
            for media in [m for m in content if m not in ("application/octet-stream", "application/json")]:
                del content[media]
json.dump(doc, open(target, "w"), indent=2)
