"""What every page shares: wording, file places, table sizing, background operations."""
