from ninja import Schema

from core.schemas import InSchema


class StoryTagOut(Schema):
    lot_code: str
    tag_code: str
    url: str
    quantity: int
    views: int


class OrderStoryOut(Schema):
    order_id: int
    enabled: bool
    views: int
    tags: list[StoryTagOut]


class OrderStoryIn(InSchema):
    enabled: bool
