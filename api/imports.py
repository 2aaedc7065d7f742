"""POST /import/contacts.csv: a CSV body (UTF-8, header row) upserted into contacts.

Query parameters: `dryRun=true` (report what would happen, write nothing), `skipUnknown=false`
(refuse unknown columns instead of skipping them) and `mapping` (a JSON object from header cell
to property key, "" to skip a column; other headers match a key or a label). The body is
spooled to a temporary file, so a large file never sits in memory.
"""

from __future__ import annotations

import tempfile
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api import auth, rate_limits
from api.contacts import importing
from api.errors import (
    LimitExceededError,
    PropflowError,
    UnauthenticatedError,
    ValidationFailedError,
)
from api.query_params import json_parameter

SPOOL_BYTES = 4 * 1024 * 1024
MAX_BYTES = 512 * 1024 * 1024


async def import_contacts(request: Request) -> Response:
    try:
        operator = await auth.sign_in(
            auth.bearer_token(request.headers),
            limiter=request.app.state.rate_limiter,
            address=rate_limits.client_address(request),
        )
        mapping = _mapping(json_parameter(request.query_params, "mapping"))
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as body:
            size = 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise ValidationFailedError(f"The file is over {MAX_BYTES:,} bytes")
                body.write(chunk)
            report = await importing.import_contacts(
                operator.workspace_id,
                body,
                dry_run=request.query_params.get("dryRun") == "true",
                mapping=mapping,
                skip_unknown=request.query_params.get("skipUnknown") != "false",
            )
    except UnauthenticatedError as error:
        return JSONResponse({"error": str(error), "code": error.code}, status_code=401)
    except LimitExceededError as error:
        return rate_limits.too_many_requests(error)
    except PropflowError as error:
        return JSONResponse({"error": str(error), **error.extensions}, status_code=400)
    return JSONResponse(report.as_json())


def _mapping(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValidationFailedError(
            "The 'mapping' parameter must be a JSON object from header cells to keys",
            parameter="mapping",
        )
    return value
