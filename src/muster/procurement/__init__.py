"""Procurement pillar: SAFE eligibility, envelope allocation, loans and demand aggregation."""
