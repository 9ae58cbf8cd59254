"""Request and response bodies of the REST API: `XCreate`, `XUpdate`, `XPublic`."""
