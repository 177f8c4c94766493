"""Baoxue (保学台账): the dropout-prevention ledger for compulsory education."""

__version__ = "0.1.0"
APP_NAME = "保学台账"
APP_NAME_ASCII = "Baoxue"
APP_ID = "baoxue"
ORGANIZATION = "Baoxue"
