"""The steward console: a server-rendered web app over the warehouse (`hub steward`)."""
