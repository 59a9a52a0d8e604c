"""Contacts tests use the loopback SMTP server of the notify tests."""

from tests.notify.conftest import mail_settings, smtp_server, use_mail_settings

__all__ = ["mail_settings", "smtp_server", "use_mail_settings"]
