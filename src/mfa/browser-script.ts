// The passkey pages' only script: no framework, inlined with the response's CSP nonce. A button
// with data-webauthn="create" or "get" runs the ceremony with the options the server put in
// <script type="application/json" id="webauthn-options">, then posts the result in the
// surrounding form's hidden `response` field (an ordinary CSRF-protected form post).
export const WEBAUTHN_SCRIPT = `(() => {
  const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const bytes = (s) => { const t = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4)); return Uint8Array.from(t, (c) => c.charCodeAt(0)); };
  const status = document.getElementById('webauthn-status');
  const say = (text) => { if (status) status.textContent = text; };
  for (const button of document.querySelectorAll('button[data-webauthn]')) {
    button.hidden = false;
    button.addEventListener('click', async (event) => {
      event.preventDefault();
      const form = button.closest('form');
      if (!window.PublicKeyCredential) return say('This browser does not support passkeys.');
      const options = JSON.parse(document.getElementById('webauthn-options').textContent);
      options.challenge = bytes(options.challenge);
      for (const c of options.allowCredentials || []) c.id = bytes(c.id);
      for (const c of options.excludeCredentials || []) c.id = bytes(c.id);
      if (options.user) options.user.id = bytes(options.user.id);
      try {
        let json;
        if (button.dataset.webauthn === 'create') {
          const cred = await navigator.credentials.create({ publicKey: options });
          json = { id: cred.id, rawId: b64(cred.rawId), type: cred.type, authenticatorAttachment: cred.authenticatorAttachment,
            clientExtensionResults: cred.getClientExtensionResults(),
            response: { clientDataJSON: b64(cred.response.clientDataJSON), attestationObject: b64(cred.response.attestationObject),
              transports: cred.response.getTransports ? cred.response.getTransports() : [] } };
        } else {
          const cred = await navigator.credentials.get({ publicKey: options });
          json = { id: cred.id, rawId: b64(cred.rawId), type: cred.type, authenticatorAttachment: cred.authenticatorAttachment,
            clientExtensionResults: cred.getClientExtensionResults(),
            response: { clientDataJSON: b64(cred.response.clientDataJSON), authenticatorData: b64(cred.response.authenticatorData),
              signature: b64(cred.response.signature), userHandle: cred.response.userHandle ? b64(cred.response.userHandle) : undefined } };
        }
        form.querySelector('input[name="response"]').value = JSON.stringify(json);
        form.submit();
      } catch (error) {
        say('The passkey was not used (' + (error && error.name ? error.name : 'cancelled') + '). Try again, or use another way.');
      }
    });
  }
})();`;
