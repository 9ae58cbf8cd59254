"""Config as code: a user's monitors and channels as one YAML file.

`document` reads and checks the file (the API's own field types), `plan` compares it
with what is stored (pure), `apply` carries the plan out through the same services as
the API in one transaction, `export` writes what is stored in the same format.
"""
