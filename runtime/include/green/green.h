// green/green.h — everything: #include <green/green.h>.
#pragma once

#include "green/duration.h"
#include "green/errors.h"
#include "green/greenlet.h"
#include "green/hub.h"
#include "green/io.h"
#include "green/settings.h"
#include "green/sleep.h"
#include "green/timeout.h"
#include "green/wait.h"
#include "green/waiter.h"
