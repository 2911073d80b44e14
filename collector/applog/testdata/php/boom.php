<?php function f() { throw new RuntimeException("boom"); } f();
