"""Organisation use cases, by concept: the tree, roles, members and invitations."""

from portal.organizations.services._common import held_at
from portal.organizations.services.members import (
    accept_invitation,
    assign_role,
    invite,
    open_invitation,
    revoke_invitation,
    revoke_role,
    set_end_date,
    set_member_status,
)
from portal.organizations.services.roles import save_role
from portal.organizations.services.tree import (
    add_node,
    clear_override,
    create_organization,
    move_node,
    override_attribute,
    rename_node,
    set_subtree_status,
)

__all__ = [
    "accept_invitation",
    "add_node",
    "assign_role",
    "clear_override",
    "create_organization",
    "held_at",
    "invite",
    "move_node",
    "open_invitation",
    "override_attribute",
    "rename_node",
    "revoke_invitation",
    "revoke_role",
    "save_role",
    "set_end_date",
    "set_member_status",
    "set_subtree_status",
]
