"""Request and response models shared by the API, the dashboard, config as code and the
services: `XCreate`, `XUpdate`, `XPublic`. Below the services, above the database."""
