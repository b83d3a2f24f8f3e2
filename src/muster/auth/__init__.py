"""Users, roles, API tokens and nation scoping."""
