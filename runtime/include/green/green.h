// green/green.h — everything: #include <green/green.h>.
#pragma once

#include "green/condition.h"
#include "green/duration.h"
#include "green/errors.h"
#include "green/event.h"
#include "green/greenlet.h"
#include "green/hub.h"
#include "green/io.h"
#include "green/lock.h"
#include "green/pool.h"
#include "green/queue.h"
#include "green/semaphore.h"
#include "green/settings.h"
#include "green/sleep.h"
#include "green/timeout.h"
#include "green/wait.h"
#include "green/waiter.h"
