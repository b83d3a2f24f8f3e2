"""Security guarantees: force generation for the coalition of the willing."""
