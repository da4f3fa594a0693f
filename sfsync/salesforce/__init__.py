"""
The Salesforce layer: the only package that imports simple_salesforce and requests.

- `soql`: build SOQL safely (pure). `quota`: API budget arithmetic (pure).
- `session`: the requests Session (timeouts, Sforce-Auto-Assign, CA bundle precedence).
- `auth`: log in from Settings (jwt, client_credentials, session, password).
- `retry`: the tenacity policy. `records`: record/CSV/result shapes (pure).
- `bulk`: Bulk API 2.0 jobs. `client`: `SalesforceClient` and `connect(settings)`.

Nothing is imported here so that `sfsync --help` stays fast.
"""

from __future__ import annotations
