"""Credentials: password hashing and API token generation."""
