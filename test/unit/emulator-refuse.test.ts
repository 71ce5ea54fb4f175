import { describe, expect, test } from 'vitest'
import {
  detectErrorProtocol,
  nameRefusedOperation,
  unavailableMessage,
} from '../../emulator/src/refuse.js'

describe('detectErrorProtocol', () => {
  test.each([
    ['sqs', 'application/x-amz-json-1.0', true, '', 'json'],
    ['kinesis', 'application/x-amz-json-1.1', false, '', 'json'],
    ['lambda', 'application/json', false, '', 'json'],
    ['lambda', '', false, '', 'json'],
    ['sns', 'application/x-www-form-urlencoded; charset=utf-8', false, '', 'query'],
    ['sts', '', false, 'Action=GetCallerIdentity&Version=2011-06-15', 'query'],
    ['route53', '', false, '', 'rest-xml'],
    ['cloudfront', 'text/xml', false, '', 'rest-xml'],
    ['something', 'application/xml', false, '', 'rest-xml'],
  ])(
    '%s with %j (target: %s, query: %j) -> %s',
    (service, contentType, target, query, protocol) => {
      expect(detectErrorProtocol(service, contentType, target, new URLSearchParams(query))).toBe(
        protocol,
      )
    },
  )
})

test('the message names the service and what is served', () => {
  expect(unavailableMessage('sqs')).toBe(
    "Service 'sqs' is not available in the lite emulator; it serves s3, dynamodb",
  )
})

describe('nameRefusedOperation', () => {
  test.each([
    ['AmazonSQS.SendMessage', '', '', 'SendMessage'],
    ['AmazonSQS.', '', '', 'Unknown'],
    [undefined, 'Action=GetCallerIdentity&Version=2011-06-15', '', 'GetCallerIdentity'],
    [undefined, '', 'Action=ListTopics&Version=2010-03-31', 'ListTopics'],
    [undefined, 'Action=Publish', 'Action=ListTopics', 'Publish'],
    [undefined, '', '', 'Unknown'],
    [undefined, '', '{"not":"a form"}', 'Unknown'],
  ])('target %j, query %j, body %j -> %s', (target, query, body, operation) => {
    expect(nameRefusedOperation(target, new URLSearchParams(query), body)).toBe(operation)
  })
})
