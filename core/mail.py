"""Outgoing e-mail: SMTP when MAIL_SERVER is set, else printed to the console (the embedded default)."""
import smtplib
import sys
from email.message import EmailMessage

from flask import current_app

# Tests read what was "sent" here when no SMTP server is configured.
outbox: list[EmailMessage] = []


def send_mail(to: str, subject: str, body: str, attachments: list[tuple[str, bytes, str]] = ()) -> EmailMessage:
    """`attachments`: (file name, bytes, MIME type) each."""
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    for name, data, mime in attachments:
        maintype, _, subtype = mime.partition(";")[0].strip().partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    if not cfg.get("MAIL_SERVER"):
        outbox.append(msg)
        print(f"\n----- mail (console) -----\n{_summary(msg)}\n--------------------------", file=sys.stderr, flush=True)
        return msg
    smtp_cls = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_cls(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30) as smtp:
        if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        smtp.send_message(msg)
    return msg


def _summary(msg: EmailMessage) -> str:
    """The console copy: headers and text, attachments by name only."""
    text = msg.get_body(("plain",))
    names = [part.get_filename() for part in msg.iter_attachments()]
    lines = [f"{k}: {v}" for k, v in msg.items() if k in ("From", "To", "Subject")]
    return "\n".join([*lines, "", text.get_content() if text else "", *(f"[attachment: {n}]" for n in names)])
