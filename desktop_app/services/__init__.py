"""Use cases. Each write is one service call and one transaction. No Qt here."""
