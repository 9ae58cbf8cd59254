"""The product's own mail: invitations, status-page subscribers. Not alert channels,
which go through Apprise (`alerting/`).

- `config`: BETTERUPTIME_SMTP_URL read into an `SmtpConfig` (pure; settings use it);
- `addresses`: what an address and a sender are, safe to put in a header (pure);
- `message`: the `MailMessage` value and the e-mail built from it;
- `templates`: messages rendered from the text and HTML templates in `templates/`;
- `mailer`: the `Mailer` interface, `MailError` and the recording mailer for tests;
- `smtp`: the SMTP mailer, and `mailer_from_settings`.

Kept free of imports, so settings can read `config` without loading the rest.
"""
