"""
The Salesforce layer: the only package that imports simple_salesforce and requests.

- `soql`: build SOQL safely (pure). `quota`: API budget arithmetic (pure).
- `session`: the requests Session (timeouts, Sforce-Auto-Assign, CA bundle precedence).
- `auth`: log in from Settings (jwt, client_credentials, session, password).
- `retry`: the tenacity policy. `records`: record/CSV/result shapes (pure).
- `transport`: one request (budget, retries, re-login); `failures`: error answers mapped to
  sfsync errors.
- `bulk`: Bulk API 2.0 jobs; `streams`: their CSV bodies read as they stream in.
- `client`: `SalesforceClient` (reads, describes, writes) and `connect(settings)`.
- `metadata`: the Metadata API deploy of `sfsync fields --deploy`.

Nothing is imported here so that `sfsync --help` stays fast.
"""

from __future__ import annotations
