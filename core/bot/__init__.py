"""The Telegram bot: a python-telegram-bot application built from the core's handlers and the plugins'.

``tremplin.core.bot.app.build_application`` makes the application; ``tremplin bot`` runs it (polling by
default, a webhook at scale). Nothing here imports ``telegram`` at import time.

The bot serves the public anonymously: handlers never store a Telegram user id, username, name or
message text. What a conversation leaves behind is an anonymous contact (and, on request, a referral
token the person keeps), written through ``tremplin.core.records`` like any other.
"""
