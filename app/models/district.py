"""区(市): the eleven district scopes with their GB/T 2260 codes."""
from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model

# (code, Chinese name, English name); 370200 stands for city-level units (市直).
DISTRICTS = [
    ("370202", "市南区", "Shinan District"),
    ("370203", "市北区", "Shibei District"),
    ("370211", "黄岛区(西海岸新区)", "Huangdao District (West Coast New Area)"),
    ("370212", "崂山区", "Laoshan District"),
    ("370213", "李沧区", "Licang District"),
    ("370214", "城阳区", "Chengyang District"),
    ("370215", "即墨区", "Jimo District"),
    ("370281", "胶州市", "Jiaozhou City"),
    ("370283", "平度市", "Pingdu City"),
    ("370285", "莱西市", "Laixi City"),
    ("370200", "市直", "City-level units"),
]


class District(Model):
    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)

    def __str__(self) -> str:
        return self.name
