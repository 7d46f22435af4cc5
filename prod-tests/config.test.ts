// Is this deployment configured at all? Names are reported, never values.
import { expect, test } from 'vitest'

test('every service address is configured', { tags: ['smoke'] }, () => {
  expect(process.env).toHaveEnv(['API_URL', 'DATABASE_URL', 'MYSQL_URL', 'REDIS_URL', 'AMQP_URL', 'MQTT_URL', 'NATS_URL', 'SMTP_URL'])
})

test('service addresses have the right schemes', { tags: ['diagnostic'] }, () => {
  expect(process.env).toHaveEnv({
    DATABASE_URL: /^postgres(ql)?:\/\//,
    REDIS_URL: /^rediss?:\/\//,
    SMTP_URL: /^smtps?:\/\//,
  })
})

test('the runtime is a supported Node', { tags: ['diagnostic'] }, () => {
  expect(process.version).toSatisfyVersion('>=20.11')
})
