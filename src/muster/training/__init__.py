"""Training pillar: the clearing house of EUMAM Ukraine."""
