"""Screens of the case lifecycle: actions, evidence, history."""
