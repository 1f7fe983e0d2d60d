// Cloudflare Email Service: the `send_email` binding's structured send() (Email Sending, see
// https://developers.cloudflare.com/email-service/api/send-emails/workers-api/). Cloudflare
// builds the MIME (and its Message-ID) from these fields and signs it for the onboarded domain.
import type { BuiltMessage } from './message';
import type { Transport } from './sender';

export function bindingTransport(binding: SendEmail): Transport {
  return {
    name: 'email-service',
    async send(message: BuiltMessage) {
      await binding.send({
        from: { name: message.from.name, email: message.from.address },
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
    },
  };
}
