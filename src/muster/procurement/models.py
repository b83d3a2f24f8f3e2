"""Tables of the procurement pillar: coalitions, needs, joint procurements, loan requests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.db import Base, Versioned


class CapabilityCoalition(Versioned, Base):
    """One coalition per priority area, with a lead nation designated by a deadline."""

    __tablename__ = "capability_coalitions"
    area_code: Mapped[str] = mapped_column(ForeignKey("priority_areas.code"), unique=True)
    lead_nation: Mapped[str | None] = mapped_column(ForeignKey("nations.code"), nullable=True)
    members: Mapped[list[str]] = mapped_column(JSON, default=list)
    lead_deadline: Mapped[dt.date] = mapped_column(Date)
    contract_deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="forming")
    note: Mapped[str] = mapped_column(Text, default="")


class Need(Versioned, Base):
    """A nation's procurement need in a priority area."""

    __tablename__ = "needs"
    nation: Mapped[str] = mapped_column(ForeignKey("nations.code"), index=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("priority_areas.code"), index=True)
    item: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_cost_cents: Mapped[int] = mapped_column(BigInteger)
    delivery_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class JointProcurement(Versioned, Base):
    """A procurement run jointly by a lead nation for its participants."""

    __tablename__ = "joint_procurements"
    lead_nation: Mapped[str] = mapped_column(ForeignKey("nations.code"), index=True)
    participants: Mapped[list[str]] = mapped_column(JSON, default=list)
    area_code: Mapped[str] = mapped_column(ForeignKey("priority_areas.code"), index=True)
    item: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[int] = mapped_column(Integer)
    eu_origin_share: Mapped[Decimal] = mapped_column(Numeric(5, 4), default=Decimal("1"))
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    contract_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class LoanRequest(Versioned, Base):
    """A nation's request for a loan against the envelope."""

    __tablename__ = "loan_requests"
    nation: Mapped[str] = mapped_column(ForeignKey("nations.code"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default="requested")
    note: Mapped[str] = mapped_column(Text, default="")
