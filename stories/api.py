"""The merchant's story switch over the API (its systems may switch it with the order)."""

from ninja import Router

from .hangtags import story_url
from .schemas import OrderStoryIn, OrderStoryOut, StoryTagOut
from .selectors import order_story_page
from .services import order_story_set, story_tags_ensure

router = Router(tags=["stories"])


def _out(page) -> OrderStoryOut:
    return OrderStoryOut(
        order_id=page.order_id,
        enabled=page.enabled,
        views=page.views,
        tags=[
            StoryTagOut(
                lot_code=row.lot_code,
                tag_code=row.tag_code,
                url=story_url(row.tag_code),
                quantity=row.quantity,
                views=row.views,
            )
            for row in page.tags
        ],
    )


@router.get("/orders/{order_id}/story", response=OrderStoryOut)
def read_order_story(request, order_id: int):
    """The order's story page: on or off, its hang-tags (one per finished lot) and views."""
    page = order_story_page(viewer=request.user, order_id=order_id)
    if page.enabled and story_tags_ensure(order_id=order_id):
        page = order_story_page(viewer=request.user, order_id=order_id)
    return _out(page)


@router.put("/orders/{order_id}/story", response=OrderStoryOut)
def set_order_story(request, order_id: int, body: OrderStoryIn):
    """Switch the order's public story pages on or off (the order's merchant, or an operator)."""
    order_story_set(actor=request.user, order_id=order_id, enabled=body.enabled)
    return _out(order_story_page(viewer=request.user, order_id=order_id))
