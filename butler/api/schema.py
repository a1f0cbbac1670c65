"""The answers every endpoint may give besides its own, written into the OpenAPI schema."""

from django.utils.translation import gettext_lazy as _

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
    "description": str(_("What went wrong, in the caller's language; field errors under each field's name.")),
}
COMMON = {
    "400": _("A value is wrong: each field's messages under its name."),
    "401": _("No key, or a key that is not valid or was revoked."),
    "403": _("The key's scopes or its user's role do not allow this call."),
    "404": _("Not found, or not visible to the key's user; or a page cursor that is not valid."),
    "429": _("Too many calls: wait the seconds in Retry-After."),
}


def common_answers(result, generator, request, public):
    """drf-spectacular's postprocessing hook: each operation documents the common answers it lacks."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, description in COMMON.items():
                operation["responses"].setdefault(
                    code,
                    {
                        "description": str(description),
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result
