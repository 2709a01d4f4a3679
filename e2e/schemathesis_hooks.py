"""Schemathesis hooks for test_api_fuzz.py.

The run allows 422 for schema-valid requests (an id that names no record, fields that go
together, a taken slug: rules no JSON Schema can state), and this check narrows that back down:
a 422 on generated valid data must name only fields whose rules the operation documents under
`x-rules` in the OpenAPI document. A 422 for anything else means the schema lets through what
the server refuses, so the document would be wrong."""
import json
import re

import schemathesis


@schemathesis.check
def rejection_follows_documented_rules(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    documented = {rule["field"] for rule in case.operation.definition.raw.get("x-rules", [])}
    try:
        errors = json.loads(response.text).get("errors") or []
    except ValueError:
        errors = []
    fields = {re.sub(r"\[\d+\]", "", str(error.get("field", ""))) for error in errors}
    undocumented = sorted(field for field in fields if field not in documented)
    if not fields:
        undocumented = ["(the problem names no field)"]
    if undocumented:
        raise AssertionError(
            f"Schema-valid request rejected with 422 for {', '.join(undocumented)}: no rule under x-rules names "
            f"{'it' if len(undocumented) == 1 else 'them'} (documented: {', '.join(sorted(documented)) or 'none'})")
    return None
