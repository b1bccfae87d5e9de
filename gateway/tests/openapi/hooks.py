"""Checks of the gateway's REST API that schemathesis does not make by itself.

Every error answer is a problem document (RFC 9457): the content type says so, and the
body carries at least a status equal to the HTTP status and a title.
"""

import json

import schemathesis


@schemathesis.check
def problem_details(ctx, response, case):
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else ""
    if not content_type.startswith("application/problem+json"):
        raise AssertionError(
            f"{response.status_code} answered as {content_type!r}, not application/problem+json"
        )
    try:
        body = json.loads(response.content)
    except ValueError as e:
        raise AssertionError(f"the problem document is not JSON: {e}") from e
    if not isinstance(body, dict):
        raise AssertionError("the problem document is not a JSON object")
    if body.get("status") != response.status_code:
        raise AssertionError(
            f"problem status {body.get('status')!r} differs from HTTP {response.status_code}"
        )
    if not isinstance(body.get("title"), str) or not body["title"]:
        raise AssertionError("the problem document has no title")
    return None
