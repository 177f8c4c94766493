"""Pure domain rules: value types, enumerations and validation. No Qt, no database."""
