"""Operations: backup and restore, and the reliability tooling around them."""
