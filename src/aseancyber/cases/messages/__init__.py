"""Threads, messages and attachments inside a case."""
