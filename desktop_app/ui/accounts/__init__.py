"""账户: sign-in, the idle lock, and the administrator's accounts page."""
