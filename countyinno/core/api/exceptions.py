"""API errors in Chinese and English, in one shape: {"detail": …, "errors": {field: [messages]}}."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..errors import ImportFailed, bilingual

# English twins of DRF's standard messages, so every API error reads in both languages.
_STANDARD_CODES = {
    "required": ("该字段为必填项", "This field is required."),
    "null": ("该字段不能为空值", "This field may not be null."),
    "blank": ("该字段不能为空", "This field may not be blank."),
    "invalid": ("格式无效", "Invalid value."),
    "max_length": ("长度超出限制", "Too long."),
    "min_length": ("长度不足", "Too short."),
    "max_value": ("数值过大", "Value too large."),
    "min_value": ("数值过小", "Value too small."),
    "invalid_choice": ("不是有效的选项", "Not a valid choice."),
    "does_not_exist": ("对象不存在或无权访问", "Object does not exist or is out of your scope."),
    "incorrect_type": ("类型错误", "Incorrect type."),
    "unique": ("该值已存在", "This value already exists."),
    "not_a_list": ("应为列表", "Expected a list."),
    "parse_error": ("请求体无法解析", "Malformed request body."),
}


def _bilingualise(detail):
    if isinstance(detail, dict):
        return {k: _bilingualise(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_bilingualise(v) for v in detail]
    text = str(detail)
    if " / " in text:
        return text
    code = getattr(detail, "code", None)
    if code in _STANDARD_CODES:
        zh, en = _STANDARD_CODES[code]
        return bilingual(zh, en) + (f" ({text})" if text not in (zh, en) else "")
    return text


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, ImportFailed):
        return Response({"detail": str(exc).split("\n")[0], "errors": [e.as_dict() for e in exc.errors]},
                        status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": bilingual("提交的数据有误", "The submitted data is invalid"),
                         "errors": _bilingualise(response.data)}
    elif isinstance(exc, (exceptions.NotFound, Http404)):
        response.data = {"detail": bilingual("未找到或无权访问", "Not found or out of your scope")}
    elif isinstance(exc, exceptions.NotAuthenticated):
        response.data = {"detail": bilingual("请先登录", "Authentication required")}
    elif isinstance(exc, exceptions.AuthenticationFailed):
        text = str(exc.detail)  # our own refusals say why (expired, revoked, locked) in both languages
        response.data = {"detail": text if " / " in text else bilingual("身份验证失败", "Authentication failed")}
    elif isinstance(exc, exceptions.PermissionDenied):
        text = str(exc.detail)
        response.data = {"detail": text if " / " in text else bilingual("无权执行该操作", "Permission denied")}
    return response
