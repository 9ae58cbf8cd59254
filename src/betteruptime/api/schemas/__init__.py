"""Bodies only the API's own routes use: sign-in, tokens and two-factor forms. The models
the services share live in `betteruptime.schemas`."""
