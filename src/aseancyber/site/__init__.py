"""The site assembly (app layer): home page, dashboard, navigation and the API docs page,
built from the domain manifests."""
