"""What the event catalogue (portal.events.catalogue) takes from segmentation: the reasons of
a segment change, and the limits of the consumed events' ids and amounts, from the columns the
orders are kept in."""

from portal.events import catalogue
from portal.limits import integer_range, max_length
from portal.segmentation.models import ORDER_LINES_MAX, CustomerOrder, CustomerOrderLine, ReasonCode

catalogue.supply(
    segment_reasons=tuple(ReasonCode),
    external_id_length=max_length(CustomerOrder.order_id),
    order_amount_max=integer_range(CustomerOrder.amount_minor)[1],
    order_lines_max=ORDER_LINES_MAX,
    order_line_category_length=max_length(CustomerOrderLine.category),
    order_line_quantity_max=integer_range(CustomerOrderLine.quantity)[1],
)
