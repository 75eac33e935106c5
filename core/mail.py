"""Outgoing e-mail: SMTP when MAIL_SERVER is set, else printed to the console (the embedded default)."""
import smtplib
import sys
from email.message import EmailMessage

from flask import current_app

# Tests read what was "sent" here when no SMTP server is configured.
outbox: list[EmailMessage] = []


def send_mail(to: str, subject: str, body: str) -> EmailMessage:
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    if not cfg.get("MAIL_SERVER"):
        outbox.append(msg)
        print(f"\n----- mail (console) -----\n{msg}\n--------------------------", file=sys.stderr, flush=True)
        return msg
    smtp_cls = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_cls(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30) as smtp:
        if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        smtp.send_message(msg)
    return msg
