from butler.roles import BUTLER, COMPANY, MANAGER, roles_of


def roles(request) -> dict:
    current = roles_of(getattr(request, "user", None))
    return {
        "is_manager": MANAGER in current,
        "is_butler": BUTLER in current,
        "is_company": COMPANY in current,
    }
