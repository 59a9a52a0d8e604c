"""Member states, organisations, users and their administration, documents."""

from aseancyber.community import (
    account_link_pages,
    api,
    documents,
    models,
    pages,
    panels,
    user_admin_pages,
    users_api,
)
from aseancyber.plugins import DashboardPanel, Manifest, NavItem

MANIFEST = Manifest(
    name="community",
    routers=[
        users_api.router,
        api.router,
        account_link_pages.router,
        user_admin_pages.router,
        pages.router,
    ],
    models=[models, documents],
    panels=[
        DashboardPanel(panels.your_organisation, position=10),
        DashboardPanel(panels.recent_documents, position=20),
        DashboardPanel(panels.community_at_a_glance, position=30),
    ],
    navigation=[
        NavItem("Directory", "/directory", position=10),
        NavItem("Documents", "/documents", position=20),
        NavItem("Users", "/admin/users", position=150),
    ],
)
