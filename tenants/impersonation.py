"""Time-limited, audited impersonation of an alliance by a platform admin (with a second factor).

STUB — the admin console fills this in. The contract the rest of the code relies on:
- `membership_for(tenant)` → a stand-in membership (role admin) when the logged-in platform admin impersonates
  `tenant` right now, else None; tenants.web uses it when the user is not a member.
- `write_block()` → a reason (lazy string) when the current request is an impersonation that may not write.
- `banner()` → what the layout shows the impersonator (dict with tenant name and minutes left), or None.
"""


def membership_for(tenant):
    return None


def write_block():
    return None


def banner():
    return None
