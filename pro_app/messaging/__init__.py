"""Invitations and reminders: pure schedule rules (`schedule`), channels (SMTP e-mail, SMS over an HTTP
gateway, console), the dispatcher behind `flask reminders send`, and the inbound SMS webhook (STOP / START)."""
