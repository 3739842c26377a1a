"""Services: use cases over repositories, in pydantic schemas, one unit of work per call."""

from foundation.service.base import BaseService
from foundation.service.protocol import IBaseService

__all__ = ["BaseService", "IBaseService"]
