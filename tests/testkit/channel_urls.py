"""Example channel URLs of several services, each with the secrets it holds."""

# (URL, the secrets in it). Each secret is longer than the two characters kept.
SERVICE_URLS = [
    (
        "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general",
        ["T1JJ3T3L2", "A1BRTD4JD", "TIiajkdnlazkcOXrIdevi7FQ"],
    ),
    ("tgram://123456789:AAHb0tT0kenXyz/987654321", ["123456789", "AAHb0tT0kenXyz"]),
    (
        "twilio://AC0123456789abcdef0123456789abcdef:s3cr3tAuthT0ken@15551234567/15557654321",
        ["AC0123456789abcdef0123456789abcdef", "s3cr3tAuthT0ken"],
    ),
    (
        "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js",
        ["4174216298", "JHMHI8qBe7bk2ZwO5U711o3dV_js"],
    ),
    ("json://hookuser:hookpa55w0rd@hooks.example.com/path", ["hookpa55w0rd"]),
    ("mailto://alerts:gmailAppPa55@gmail.com", ["gmailAppPa55"]),
]
